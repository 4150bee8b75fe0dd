import { createRequire } from 'node:module';

// aws-sdk v2 schedules an end-of-support note when it loads, unless this flag is set first.
// Imported before 'aws-sdk' so the flag is set whatever the module runner does between imports.
createRequire(import.meta.url)('aws-sdk/lib/maintenance_mode_message').suppress = true;
