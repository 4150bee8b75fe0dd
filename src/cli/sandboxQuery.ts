/**
 * The operation Apollo Sandbox opens with in demo mode: the `jobs` dashboard over one example job
 * per provider, with the common progress fields and each provider's own progress (COS task counts,
 * Omics per-file sources, Import/Export progress and location, Panorama output, CodePipeline's
 * pipeline context, which has no status of its own).
 */
export function sandboxDocument(ids: readonly string[]): string {
  return `# One example job at each of the five providers (demo data from the embedded emulators).
query Dashboard {
  jobs(ids: [
${ids.map((id) => `    "${id}"`).join('\n')}
  ]) {
    id
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
  }
}
`;
}
