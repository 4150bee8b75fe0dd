/**
 * The history's files are the process user's alone: the data folder 0700, the SQLite file, its
 * `-wal` and `-shm`, and a backup 0600 (they hold every job's record, and its account and queue
 * names). Set by chmod after creation, so the process's umask does not decide them.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  mkdirSync,
  openSync,
  statSync,
} from 'node:fs';

/** The data folder's mode. */
const DATA_DIR_MODE = 0o700;
/** The database file's, its `-wal` and `-shm`'s and a backup's mode. */
const FILE_MODE = 0o600;

/**
 * `dir` made if missing, 0700. An existing folder is tightened to 0700 when `tightenExisting` (the
 * default folder, which jobgraph made 0755 before) and the process owns it; a folder the operator
 * named keeps its mode (a volume's may be shared by group on purpose).
 */
export function makeDataDir(dir: string, tightenExisting: boolean): void {
  const made = mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  if (made !== undefined) chmodSync(dir, DATA_DIR_MODE);
  else if (tightenExisting) tighten(dir, DATA_DIR_MODE);
}

/**
 * The database file at `path` before SQLite opens it: a new one created empty (SQLite takes an
 * empty file as a new database) 0600, so its `-wal` and `-shm`, which SQLite creates with the
 * database file's mode, are 0600 too; an existing one (and its `-wal`, `-shm`) tightened to 0600
 * when the process owns it.
 */
export function privateDatabaseFile(path: string): void {
  if (!existsSync(path)) {
    try {
      createPrivate(path);
    } catch (e) {
      // Another process made it meanwhile: tightened below like any existing file.
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    }
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file, FILE_MODE);
}

/** A new, empty file at `path`, 0600; throws EEXIST when there is one (a backup never overwrites). */
export function createPrivate(path: string): void {
  const fd = openSync(path, 'wx', FILE_MODE);
  try {
    fchmodSync(fd, FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * `path` without the permission bits `mode` does not have, when it exists, is the process's and has
 * any (0755 becomes 0700, 0644 0600; 0400 stays); anything else is left as is.
 */
function tighten(path: string, mode: number): void {
  try {
    const st = statSync(path);
    // A folder where a file is named (or the reverse) is left to fail where it is used.
    if (st.isDirectory() !== (mode === DATA_DIR_MODE)) return;
    if ((st.mode & 0o777 & ~mode) === 0) return;
    if (process.getuid && st.uid !== process.getuid()) return;
    chmodSync(path, st.mode & mode);
  } catch {
    // Gone meanwhile, or not ours to change: its mode stays.
  }
}
