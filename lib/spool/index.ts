// The agent's on-disk spool for when Kafka is unreachable or slow: a Bus
// wrapper (spooling-bus.ts) over a segment log (segment-log.ts).
export { encodeFrame, parseFrame, type SpoolRecord } from './frame.js';
export { SegmentLog, type FsyncPolicy, type LogEntry, type Position, type SegmentLogOptions, type SpoolCounters } from './segment-log.js';
export { nodeSpoolFs, type SpoolFile, type SpoolFs } from './spool-fs.js';
export { SpoolingBus, type SpoolingBusOptions } from './spooling-bus.js';
