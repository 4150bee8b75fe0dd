/**
 * The operations Apollo Sandbox opens with in demo mode: the `jobs` dashboard over one example job
 * per provider, with the common progress fields and each provider's own progress (COS task counts,
 * Omics per-file sources, Import/Export progress and location, Panorama output, CodePipeline's
 * pipeline context, which has no status of its own, AWS Batch's queue and array children); and `LatestJobs`, the first page of
 * `listJobs` with its cursors and the report of every source.
 */
export function sandboxDocument(ids: readonly string[]): string {
  return `# One example job at each provider (demo data from the embedded emulators).
query Dashboard {
  jobs(ids: [
${ids.map((id) => `    "${id}"`).join('\n')}
  ]) {
${DASHBOARD_FIELDS}

${LATEST_JOBS}`;
}

/** The dashboard's selection of each job: the common progress fields and each provider's own. */
const DASHBOARD_FIELDS = `    id
    provider
    region
    state
    providerStatus
    statusMessage
    terminal
    createdAt
    updatedAt
    completedAt
    ... on PanoramaPackageImportJob {
      output {
        packageId
        packageVersion
        patchVersion
      }
    }
    ... on OmicsReferenceImportJob {
      referenceStoreId
      sources {
        sourceFile
        status
        statusMessage
        referenceId
      }
    }
    ... on CosBatchJob {
      priority
      progressSummary {
        totalNumberOfTasks
        numberOfTasksSucceeded
        numberOfTasksFailed
      }
      failureReasons {
        failureCode
        failureReason
      }
    }
    ... on ImportExportJob {
      jobType
      progressCode
      progressMessage
      locationCode
      locationMessage
      carrier
      trackingNumber
      errorCount
    }
    ... on CodePipelineJob {
      pipelineContext {
        pipelineName
        stage {
          name
        }
        action {
          name
        }
      }
    }
    ... on BatchJob {
      jobQueue
      statusReason
      arrayProperties {
        size
        statusSummary {
          status
          count
        }
      }
    }
  }
}`;

/** The first page of `listJobs` with its cursors and the report of every source. */
const LATEST_JOBS = `# What ran lately across the providers, newest first; page on with after: <pageInfo.endCursor>.
query LatestJobs {
  listJobs(first: 25, filter: { states: [FAILED, IN_PROGRESS, QUEUED, SUCCEEDED] }) {
    edges {
      cursor
      node {
        id
        provider
        region
        state
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
    sources {
      provider
      region
      referenceStoreId
      state
      code
    }
  }
}
`;
