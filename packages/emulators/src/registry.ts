import { batchEmulator } from './batch/descriptor.ts';
import { codepipelineEmulator } from './codepipeline/descriptor.ts';
import { cosbatchEmulator } from './cosbatch/descriptor.ts';
import { importexportEmulator } from './importexport/descriptor.ts';
import { omicsEmulator } from './omics/descriptor.ts';
import { panoramaEmulator } from './panorama/descriptor.ts';

/**
 * Every provider's emulator, in the order of the providers' registry (src/datasources/registry.ts,
 * which the emulators do not import): the one list packages/emulators/src/index.ts iterates to start a
 * set, point clients at it and build the tables tests and bench read. Adding a provider's
 * emulator is its folder (with its descriptor.ts) and one line here.
 */
export const EMULATORS = [
  panoramaEmulator,
  omicsEmulator,
  cosbatchEmulator,
  importexportEmulator,
  codepipelineEmulator,
  batchEmulator,
] as const;

/** One provider's emulator descriptor, as the registry holds it. */
export type AnyEmulator = (typeof EMULATORS)[number];
