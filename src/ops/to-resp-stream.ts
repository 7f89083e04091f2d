/**
 * The RESP commands that rebuild a stream (ops/to-resp.ts), from its parts as they come (SPEC.md
 * §2.1), so a stream handed over in parts and a whole one (as rdb/stream.ts streamAsParts) give
 * the same commands: XADD per entry (an empty stream: XADD MAXLEN 0 with a placeholder entry),
 * XSETID with ENTRIESADDED / MAXDELETEDID, per group XGROUP CREATE ... ENTRIESREAD, per consumer
 * XGROUP CREATECONSUMER then XCLAIM ... JUSTID FORCE per pending id (TIME and RETRYCOUNT from the
 * group PEL keep the delivery data). A server ignores the XCLAIM of an id whose entry was deleted
 * (it cannot be rebuilt), and consumer seen-times become the load time.
 *
 * Buffering model: nothing of the stream is kept but the current group's and consumer's names.
 */
import type { CommandArg } from '../aof/writer.js';
import { displayText } from '../model/bytes.js';
import type { KeyPart, StreamId } from '../model/record.js';
import { IDMP_DEFAULT } from '../rdb/stream-write.js';

const id = (x: StreamId): string => `${x.ms}-${x.seq}`;

/** Commands of one stream, part by part. */
export class StreamResp {
  private entries = 0;
  private group: Uint8Array | null = null;
  private consumer: Uint8Array | null = null;

  constructor(
    private readonly k: Uint8Array,
    /** Reports what no command can express. */
    private readonly unexpressed: (what: string) => void,
  ) {}

  *part(p: KeyPart): Generator<CommandArg[]> {
    const k = this.k;
    switch (p.part) {
      case 'stream-entries':
        for (const en of p.items) yield ['XADD', k, id(en.id), ...en.fields.flat()];
        this.entries += p.items.length;
        return;
      case 'stream-meta': {
        const m = p.meta;
        if (this.entries === 0) yield ['XADD', k, 'MAXLEN', 0, '0-1', 'x', 'y'];
        const setid: CommandArg[] = ['XSETID', k, id(m.lastId)];
        if (m.entriesAdded !== null) setid.push('ENTRIESADDED', m.entriesAdded);
        if (m.maxDeletedId !== null) setid.push('MAXDELETEDID', id(m.maxDeletedId));
        yield setid;
        return;
      }
      case 'stream-group': {
        const create: CommandArg[] = ['XGROUP', 'CREATE', k, p.name, id(p.lastId)];
        if (p.entriesRead !== null) create.push('ENTRIESREAD', p.entriesRead);
        this.group = p.name;
        yield create;
        return;
      }
      case 'stream-consumer':
        this.consumer = p.name;
        yield ['XGROUP', 'CREATECONSUMER', k, this.group!, p.name];
        return;
      case 'stream-consumer-pel':
        for (let i = 0; i < p.items.length; i++) {
          const [time, count] = p.delivery[i]!;
          yield ['XCLAIM', k, this.group!, this.consumer!, 0, id(p.items[i]!), 'TIME', time, 'RETRYCOUNT', count, 'JUSTID', 'FORCE'];
        }
        return;
      case 'stream-nack-zone':
        if (p.count)
          this.unexpressed(
            `NACK zone of group "${displayText(this.group!)}" (${p.count} id(s); no command re-creates unowned PEL entries)`,
          );
        return;
      case 'stream-idmp': {
        const m = p.idmp;
        // Redis 8.6 commands (librdb's RESP output for an 8.6 target does the same)
        if (m.duration !== IDMP_DEFAULT.duration || m.maxEntries !== IDMP_DEFAULT.maxEntries || m.producers.length)
          yield ['XCFGSET', k, 'IDMP-DURATION', m.duration, 'IDMP-MAXSIZE', m.maxEntries];
        for (const pr of m.producers) for (const r of pr.entries) yield ['XIDMPRECORD', k, pr.pid, r.iid, id(r.id)];
        if (m.iidsAdded || m.iidsDuplicates)
          this.unexpressed(`IDMP counters (${m.iidsAdded} iids added, ${m.iidsDuplicates} duplicates; no command sets them)`);
        return;
      }
      default:
        // the group PEL's owners and delivery data come with the consumers; NACKed ids have no command
        return;
    }
  }
}
