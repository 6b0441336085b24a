// A value read from files and read again when they change: certificates,
// tokens, sampling strategies. Checked on use, at most once per interval, by
// each file's mtime, size and inode: no watcher to leak, and a Kubernetes
// ConfigMap's symlink swap is noticed. A change that cannot be used keeps the
// previous value in force and is reported, never thrown, so that a bad edit
// on a running service does not take it down.
import { statSync } from 'node:fs';

export interface ReloadingFilesOptions<T> {
  /** The files are looked at no more often than this; default 1 s. */
  checkIntervalMs?: number;
  /** Told when changed files were read into a new value. */
  onReload?: (value: T) => void;
  /** Told when changed files could not be used (the previous value stays). */
  onError?: (err: Error) => void;
}

export class ReloadingFiles<T> {
  private readonly paths: readonly string[];
  private readonly read: () => T;
  private readonly options: ReloadingFilesOptions<T>;
  private current: { value: T } | undefined;
  /** The files' signature when they were last read, successfully or not. */
  private signature = '';
  private checkedAtMs = -Infinity;

  /** `read` throws when the files are unusable; '' paths are skipped. */
  constructor(paths: readonly string[], read: () => T, options: ReloadingFilesOptions<T> = {}) {
    this.paths = paths;
    this.read = read;
    this.options = options;
  }

  /** Reads the files now; throws when they are unusable. */
  load(nowMs = Date.now()): T {
    this.checkedAtMs = nowMs;
    // Taken before reading, so that a write during the read is seen next time.
    this.signature = filesSignature(this.paths);
    this.current = { value: this.read() };
    return this.current.value;
  }

  /** The value in force, read if never read (throwing then); no look for changes. */
  value(nowMs = Date.now()): T {
    return this.current === undefined ? this.load(nowMs) : this.current.value;
  }

  /** The value in force, read first if never read (throwing then) or re-read if the files changed. */
  get(nowMs = Date.now()): T {
    if (this.current !== undefined) this.refresh(nowMs);
    return this.value(nowMs);
  }

  /** A new value when the files changed since they were last read and are usable; undefined otherwise. Never throws. */
  refresh(nowMs = Date.now()): T | undefined {
    if (nowMs - this.checkedAtMs < (this.options.checkIntervalMs ?? 1_000)) return undefined;
    this.checkedAtMs = nowMs;
    if (filesSignature(this.paths) === this.signature) return undefined;
    let value: T;
    try {
      value = this.load(nowMs);
    } catch (err) {
      this.options.onError?.(err as Error);
      return undefined;
    }
    this.options.onReload?.(value);
    return value;
  }
}

/** What changes when any of the files is written or swapped ('' paths are skipped). */
export function filesSignature(paths: readonly string[]): string {
  return paths
    .map((p) => {
      if (p === '') return '';
      try {
        const s = statSync(p);
        return `${s.mtimeMs}/${s.size}/${s.ino}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}
