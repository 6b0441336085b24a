// The spool's self-metrics, read at every scrape (docs/operations.md lists them).
import type { Sample } from '../telemetry/stats.js';
import type { Drainer } from './drainer.js';
import type { SegmentLog } from './segment-log.js';

export function spoolSamples(log: SegmentLog, drainer: Drainer, maxBytes: number): Sample[] {
  const c = log.counters;
  const gauge = (name: string, help: string, value: number): Sample => ({ name, help, type: 'gauge', labels: {}, value });
  const counter = (name: string, help: string, value: number, labels: Record<string, string> = {}): Sample => ({ name, help, type: 'counter', labels, value });
  const refusedHelp = 'Records the spool refused to take, by reason (full: maxBytes reached; disk_full: ENOSPC; io_error); the sender was asked to retry.';
  return [
    gauge('ocsvc_spool_records', 'Records in the spool that Kafka has not acknowledged yet.', log.readable),
    gauge('ocsvc_spool_bytes', 'Bytes of the spool segment files on disk.', log.bytes),
    gauge('ocsvc_spool_max_bytes', 'The bound on ocsvc_spool_bytes (spool.maxBytes).', maxBytes),
    gauge('ocsvc_spool_segments', 'Segment files in the spool directory.', log.segmentCount),
    gauge('ocsvc_spool_active', '1 while produced records go to the spool (Kafka refused or the spool is draining), else 0.', log.pending > 0 ? 1 : 0),
    counter('ocsvc_spool_appended_records_total', 'Records written to the spool and acknowledged to the sender.', c.appendedRecords),
    counter('ocsvc_spool_appended_bytes_total', 'Bytes written to the spool.', c.appendedBytes),
    counter('ocsvc_spool_drained_records_total', 'Spooled records Kafka acknowledged.', c.drainedRecords),
    counter('ocsvc_spool_refused_records_total', refusedHelp, c.refusedRecords.full, { reason: 'full' }),
    counter('ocsvc_spool_refused_records_total', refusedHelp, c.refusedRecords.disk_full, { reason: 'disk_full' }),
    counter('ocsvc_spool_refused_records_total', refusedHelp, c.refusedRecords.io_error, { reason: 'io_error' }),
    counter('ocsvc_spool_recovered_records_total', 'Records found in the spool at start-up, still to send.', c.recoveredRecords),
    counter('ocsvc_spool_skipped_bytes_total', 'Bytes skipped after a bad frame (a torn tail after a crash, or corruption), at start-up or when read back.', c.skippedBytes),
    counter('ocsvc_spool_cut_segments_total', 'Segments cut at a bad frame.', c.cutSegments),
    counter('ocsvc_spool_sync_errors_total', 'Failed periodic fsyncs (fsync policy interval).', c.syncErrors),
    counter('ocsvc_spool_drain_failures_total', 'Drained batches Kafka refused (retried with backoff).', drainer.counters.failedBatches),
    counter('ocsvc_spool_dropped_records_total', 'Spooled records dropped because Kafka refuses them for good (e.g. larger than the broker accepts).', drainer.counters.droppedRecords, {
      reason: 'refused_by_kafka',
    }),
  ];
}
