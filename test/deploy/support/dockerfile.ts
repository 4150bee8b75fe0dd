/** One Dockerfile instruction: its keyword (upper case), its flags (`--from=build`) and the rest of the line. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
  /** The line it starts on, for messages. */
  line: number;
}

/** A build stage: `FROM <image> AS <name>` and the instructions after it. */
export interface Stage {
  image: string;
  name: string;
  instructions: Instruction[];
}

/**
 * The stages of a Dockerfile, parsed as BuildKit's frontend reads the instructions this repo's
 * Dockerfile uses: `#` comment lines (the `# syntax=` directive among them) skipped, a `\` at a
 * line's end continuing it, leading `--flag=value` options split off. Not a general parser: no
 * heredocs, no ARG substitution, no escape directive.
 */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, '');
      // Comment lines inside a continued instruction are dropped, as Docker does.
      do i++;
      while (i + 1 < lines.length && /^\s*#/.test(lines[i] as string));
      line += ` ${(lines[i] as string).trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: not an instruction: ${line}`);
    const keyword = (m[1] as string).toUpperCase();
    let rest = (m[2] as string).trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([a-z-]+)=(\S+)\s+/.exec(rest); f; f = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
      flags[f[1] as string] = f[2] as string;
      rest = rest.slice(f[0].length);
    }
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: FROM ${rest}`);
      stages.push({
        image: from[1] as string,
        name: from[2] ?? String(stages.length),
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, flags, args: rest, line: start + 1 });
  }
  return stages;
}

/** An instruction's exec form (`["node", "x"]`) as its argv; throws on the shell form. */
export function execForm(args: string): string[] {
  const argv: unknown = JSON.parse(args);
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
    throw new Error(`not an exec-form array: ${args}`);
  return argv;
}

/** `ENV K=V` or `ENV K V`, as key-value pairs (unquoted values only). */
export function envPairs(args: string): [string, string][] {
  if (!args.includes('=')) {
    const [key, ...value] = args.split(/\s+/);
    return [[key as string, value.join(' ')]];
  }
  return args.split(/\s+/).map((pair) => {
    const eq = pair.indexOf('=');
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

/** `HEALTHCHECK --interval=… CMD [...]`: its options and its command's argv. */
export function healthcheck(instruction: Instruction): {
  options: Record<string, string>;
  argv: string[];
} {
  const m = /^CMD\s+(.*)$/.exec(instruction.args);
  if (!m) throw new Error(`HEALTHCHECK without CMD: ${instruction.args}`);
  return { options: instruction.flags, argv: execForm(m[1] as string) };
}
