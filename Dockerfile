# jobgraph's container image: live mode (`jobgraph`) on port 4000, as a non-root user, from the
# compiled dist/ and the production dependencies only. docs/deployment.md explains each choice;
# test/deploy/dockerfile.e2e.test.ts replays these steps without Docker (none runs where the tests
# run), so keep to the instructions it knows (FROM, WORKDIR, COPY, RUN, ENV, USER, EXPOSE,
# STOPSIGNAL, HEALTHCHECK, CMD), with the arguments written as they are here.
#
#   docker build -t jobgraph .
#   docker run --rm -p 4000:4000 -e JOBGRAPH_JWT_SECRET=… -e AWS_REGION=… jobgraph
#
# Builds with BuildKit and with the classic builder alike (Docker 28 without the buildx plugin,
# Debian 12's docker.io 20.10): no `RUN --mount`, no heredocs. The npm cache stays in stages that
# are thrown away (build, deps), out of the image. podman and buildah: `--format docker`, or the OCI
# format drops HEALTHCHECK. No `# syntax=` line: the build pulls nothing but its base image
# (node:24-slim) and the npm packages.
#
# Runtime base: node:24-slim rather than distroless (gcr.io/distroless/nodejs24-debian12). Both
# run the same Node 24 on Debian's glibc; slim also has npm, so the runtime stage installs the
# production dependencies (`npm ci --omit=dev`, in the deps stage) from the lockfile, `sleep` for a
# Kubernetes preStop hook, and a shell to debug with. Distroless has none of these and a smaller
# attack surface: to use it, copy node_modules from the deps stage as below, and use Kubernetes' `preStop: sleep:` action (1.30+); its entrypoint is already
# `node`, so CMD becomes ["bin/jobgraph.mjs"]. Pin the base by digest in your own build
# (node:24-slim@sha256:…) for a reproducible image.

# ---- build: compile src/ to dist/ and bundle the jobs console into dist/console/ ----
FROM node:24-slim AS build
WORKDIR /app
# Dependencies first, so this layer is kept until the lockfile changes. --ignore-scripts: the
# `prepare` script is the build, which needs the sources copied below; the install scripts the
# lockfile allows are not needed to build (the `node` devDependency's fetches the Node this image
# already has).
# The emulators' workspace package's manifest too: npm ci links it (packages/emulators/).
COPY package.json package-lock.json ./
COPY packages/emulators/package.json packages/emulators/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# What `prepare` runs: the emulators' package's build (packages/emulators/dist/), then
# tsc -p tsconfig.build.json && node console/build.mjs.
RUN npm run build && rm -f dist/.tsbuildinfo packages/emulators/dist/.tsbuildinfo

# ---- deps: the production dependencies, from the lockfile (its npm cache stays in this stage) ----
FROM node:24-slim AS deps
WORKDIR /app
# --ignore-scripts: no production dependency needs its install script to run (protobufjs's only
# prints version advice). The emulators' package is a production dependency (the demo's, and the
# compose kit's emulators service): npm ci links node_modules/@jobgraph/emulators to it.
COPY package.json package-lock.json ./
COPY packages/emulators/package.json packages/emulators/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ----
FROM node:24-slim AS runtime
ENV NODE_ENV=production
# Listen on every interface of the container (jobgraph's live-mode default too, said here).
ENV HOST=0.0.0.0
ENV PORT=4000
# No Node flags. The bench (docs/performance.md, README "Memory") shows none worth setting by
# default: --max-semi-space-size=16 lowered the peak RSS by ~15 % but cost 1.6x the CPU per
# not-found job; --max-old-space-size=128 cost 1.5-1.8x the CPU per job; --optimize-for-size
# +47 % CPU; MALLOC_ARENA_MAX changed nothing; under churn (issue 60) no --max-semi-space-size
# (8, 16, 32) lowered the RSS per watch and each cost more CPU. Node 24 sizes its heap from the
# container's memory limit (measured: a 1 GiB cgroup limit gives a 560 MiB heap limit, 512 MiB
# gives 259 MiB), so set the limit, not a flag; NODE_OPTIONS is there for an operator who
# measured otherwise.
WORKDIR /app
# The production dependencies from the deps stage, without npm's cache; the build is not rerun here.
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
# What the npm package ships (package.json "files"), from the build stage.
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/schema ./schema
COPY --from=build /app/LICENSE /app/README.md ./
# The emulators' package as its npm package ships it (its manifest and dist/), where the link in
# node_modules points: the gateway loads it only for the demo (`jobgraph demo`, the compose kit's
# emulators service), never in live mode.
COPY --from=build /app/packages/emulators/package.json ./packages/emulators/
COPY --from=build /app/packages/emulators/dist ./packages/emulators/dist
# The history store's default folder (JOBGRAPH_DATA_DIR unset: ./jobgraph-data, docs/history.md),
# the one place the user below writes: made here and owned by it, so a named volume mounted on
# /app/jobgraph-data (deploy/compose.yaml) starts with that owner and the SQLite file survives a
# container's restart. Kubernetes' read-only pods use PostgreSQL instead (docs/deployment.md).
RUN mkdir jobgraph-data && chown 1000:1000 jobgraph-data
# The image's `node` user, by number: Kubernetes' runAsNonRoot can check a number, not a name.
# The files above stay root's and read-only to it.
USER 1000:1000
EXPOSE 4000
# jobgraph drains on SIGTERM: in-flight requests finish (up to JOBGRAPH_SHUTDOWN_GRACE_MS, 10 s by
# default), streams end so clients resubscribe elsewhere, then it exits 0. Give the container
# longer than that to stop (docker stop -t 20, compose stop_grace_period, Kubernetes
# terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# Liveness with node itself (slim has no curl): /healthz is 200 while the process can serve.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/jobgraph.mjs"]
