/**
 * Writing a stream handed over in parts (SPEC.md §2.1) as it comes: the same bytes
 * writeStreamValue (stream-write.ts) gives the whole value written with the input's node layout.
 * The file's order is kept (Redis saves groups, PELs and consumers in rax order, which the whole
 * writer sorts into), and the stream keeps the input's layout version: a part cannot be taken
 * back, so nothing that a change of layout adds or drops can be worked out in advance.
 *
 * Buffering model: each part is written into the caller's ByteWriter when it arrives; one node's
 * entries at a time are packed.
 */
import type { ByteWriter } from '../bytes/writer.js';
import { UsageError } from '../errors.js';
import { displayText } from '../model/bytes.js';
import type { KeyPart } from '../model/record.js';
import { writeLength } from './length.js';
import { IDMP_DEFAULT, planStreamNodes, type StreamLayout, streamIdBytes, writeId, writeStreamIdmp } from './stream-write.js';
import { type WriteStringOptions, writeString } from './string.js';

const U64_MAX = 0xffffffffffffffffn;

/** Writes the parts of one stream. */
export class StreamPartWriter {
  private idmp = false;

  constructor(
    private readonly layout: StreamLayout,
    private readonly sopts: WriteStringOptions,
    private readonly key: Uint8Array,
  ) {}

  /** The node count that follows the key name. */
  begin(w: ByteWriter, nodes: number): void {
    writeLength(w, nodes);
  }

  /** One part. */
  part(w: ByteWriter, p: KeyPart): void {
    const sopts = this.sopts;
    const layout = this.layout;
    switch (p.part) {
      case 'stream-entries': {
        let at = 0;
        for (const n of p.nodes) {
          if (n === 0)
            throw new UsageError(
              'RDB_WRITE_STREAM_NODE',
              `key "${displayText(this.key)}": a stream node without a live entry (not written by Redis) cannot be written in parts`,
            );
          const [node] = planStreamNodes(p.items.slice(at, at + n), [n]);
          at += n;
          writeString(w, node!.key, sopts);
          writeString(w, node!.listpack, sopts);
        }
        return;
      }
      case 'stream-meta': {
        const m = p.meta;
        writeLength(w, m.length);
        writeId(w, m.lastId);
        if (layout >= 2) {
          writeId(w, m.firstId!);
          writeId(w, m.maxDeletedId!);
          writeLength(w, m.entriesAdded!);
        }
        writeLength(w, m.groups);
        return;
      }
      case 'stream-group':
        writeString(w, p.name, sopts);
        writeId(w, p.lastId);
        if (layout >= 2) writeLength(w, p.entriesRead === null ? U64_MAX : BigInt(p.entriesRead));
        writeLength(w, p.pending);
        return;
      case 'stream-pel':
        for (const x of p.items) {
          w.bytes(streamIdBytes(x.id));
          w.i64le(x.deliveryTime);
          writeLength(w, x.deliveryCount);
        }
        return;
      case 'stream-consumers':
        writeLength(w, p.count);
        return;
      case 'stream-consumer':
        writeString(w, p.name, sopts);
        w.i64le(p.seenTime);
        if (layout >= 3) w.i64le(p.activeTime ?? p.seenTime);
        writeLength(w, p.pending);
        return;
      case 'stream-consumer-pel':
      case 'stream-nacked':
        for (const id of p.items) w.bytes(streamIdBytes(id));
        return;
      case 'stream-nack-zone':
        if (layout >= 5) writeLength(w, p.count);
        return;
      case 'stream-idmp':
        this.idmp = true;
        writeStreamIdmp(w, p.idmp, sopts);
        return;
      default:
        throw new UsageError('RDB_WRITE_PARTS', `key "${displayText(this.key)}": a ${p.part} part is not a stream part`);
    }
  }

  /** The end of the stream (a layout with an IDMP section and none read gets Redis's default). */
  end(w: ByteWriter): void {
    if (this.layout < 4 || this.idmp) return;
    this.part(w, { part: 'stream-idmp', idmp: { ...IDMP_DEFAULT, producers: [], iidsAdded: 0, iidsDuplicates: 0 } });
  }
}
