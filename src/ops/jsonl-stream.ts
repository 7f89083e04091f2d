/**
 * A stream's value in the JSON export, written byte by byte: the text of
 * `JSON.stringify(streamToJson(s, large))` (json.ts) without building the objects or JS strings,
 * whole (writeStreamJson) or part by part as the decoder hands a large stream over
 * (StreamJsonState). Entries come as objects or as their stored nodes (jsonl-stream-nodes.ts,
 * which also writes entry fields).
 */
import type { ByteWriter } from '../bytes/writer.js';
import { utf8 } from '../model/bytes.js';
import type { KeyPartRecord, StreamEntry, StreamId, StreamPendingEntry, StreamValue } from '../model/record.js';
import { idmpToJson } from './json.js';
import { writeJsonBytes } from './json-bytes.js';
import { writeFields, writeStreamNodes } from './jsonl-stream-nodes.js';

/** A number as JSON.stringify writes it (non-finite ones are null). */
function num(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/** `"ms-seq"` (idToJson, quoted). */
function writeId(w: ByteWriter, id: StreamId): void {
  w.ascii(`"${id.ms}-${id.seq}"`);
}

function writeIdOrNull(w: ByteWriter, id: StreamId | null): void {
  if (id) writeId(w, id);
  else w.ascii('null');
}

/** One stream entry: `{"id":..,"fields":..}` (streamEntryToJson). */
function writeStreamEntry(w: ByteWriter, e: StreamEntry): void {
  w.ascii('{"id":');
  writeId(w, e.id);
  w.ascii(',"fields":');
  writeFields(w, e.fields);
  w.u8(0x7d);
}

/** One pending entry (pendingToJson): in a large stream it names no consumer. */
function writePending(w: ByteWriter, p: StreamPendingEntry, large: boolean): void {
  w.ascii('{"id":');
  writeId(w, p.id);
  if (!large) {
    w.ascii(',"consumer":');
    if (p.consumer) writeJsonBytes(w, p.consumer);
    else w.ascii('null');
  }
  w.ascii(`,"deliveryTime":${num(p.deliveryTime)},"deliveryCount":${num(p.deliveryCount)}}`);
}

/** Ids separated by commas (inside brackets the caller writes). */
function writeIds(w: ByteWriter, ids: readonly StreamId[]): void {
  for (let i = 0; i < ids.length; i++) {
    if (i) w.u8(0x2c);
    writeId(w, ids[i]!);
  }
}

/** `,"length":..,"lastId":..,"firstId":..,"maxDeletedId":..,"entriesAdded":..,"groups":[` */
function writeMetaOpen(
  w: ByteWriter,
  m: { length: number; lastId: StreamId | null; firstId: StreamId | null; maxDeletedId: StreamId | null; entriesAdded: number | null },
): void {
  w.ascii(`,"length":${num(m.length)},"lastId":`);
  writeIdOrNull(w, m.lastId);
  w.ascii(',"firstId":');
  writeIdOrNull(w, m.firstId);
  w.ascii(',"maxDeletedId":');
  writeIdOrNull(w, m.maxDeletedId);
  w.ascii(`,"entriesAdded":${m.entriesAdded === null ? 'null' : num(m.entriesAdded)},"groups":[`);
}

/** `{"name":..,"lastId":..,"entriesRead":..,"pending":[` */
function writeGroupOpen(w: ByteWriter, name: Uint8Array, lastId: StreamId, entriesRead: number | null): void {
  w.ascii('{"name":');
  writeJsonBytes(w, name);
  w.ascii(',"lastId":');
  writeId(w, lastId);
  w.ascii(`,"entriesRead":${entriesRead === null ? 'null' : num(entriesRead)},"pending":[`);
}

/** `{"name":..,"seenTime":..,"activeTime":..,"pending":[` */
function writeConsumerOpen(w: ByteWriter, name: Uint8Array, seenTime: number, activeTime: number | null): void {
  w.ascii('{"name":');
  writeJsonBytes(w, name);
  w.ascii(`,"seenTime":${num(seenTime)},"activeTime":${activeTime === null ? 'null' : num(activeTime)},"pending":[`);
}

/** A whole stream's value: the bytes of JSON.stringify(streamToJson(s, large)). */
export function writeStreamJson(w: ByteWriter, s: StreamValue, large: boolean): void {
  w.ascii('{"entries":[');
  for (let i = 0; i < s.entries.length; i++) {
    if (i) w.u8(0x2c);
    writeStreamEntry(w, s.entries[i]!);
  }
  if (s.packed) writeStreamNodes(w, s.packed, s.entries.length === 0);
  w.u8(0x5d);
  writeMetaOpen(w, s);
  for (let gi = 0; gi < s.groups.length; gi++) {
    const g = s.groups[gi]!;
    if (gi) w.u8(0x2c);
    writeGroupOpen(w, g.name, g.lastId, g.entriesRead);
    for (let i = 0; i < g.pending.length; i++) {
      if (i) w.u8(0x2c);
      writePending(w, g.pending[i]!, large);
    }
    w.ascii('],"consumers":[');
    for (let ci = 0; ci < g.consumers.length; ci++) {
      const c = g.consumers[ci]!;
      if (ci) w.u8(0x2c);
      writeConsumerOpen(w, c.name, c.seenTime, c.activeTime);
      writeIds(w, c.pending);
      w.ascii(']}');
    }
    w.u8(0x5d);
    if (g.nacked) {
      w.ascii(',"nacked":[');
      writeIds(w, g.nacked);
      w.u8(0x5d);
    }
    w.u8(0x7d);
  }
  w.u8(0x5d);
  if (s.idmp) {
    w.ascii(',"idmp":');
    w.bytes(utf8(JSON.stringify(idmpToJson(s.idmp))));
  }
  w.u8(0x7d);
}

/**
 * A stream's JSON written part by part: the text JSON.stringify gives its whole value in the large
 * form (json.ts streamIsLarge: pending entries name no consumer), opened and closed as the parts
 * come (entries, metadata, then per group its PEL, consumers with their PELs, NACK zone; IDMP).
 */
export class StreamJsonState {
  /** What is open inside the current group. */
  private section: 'none' | 'pending' | 'consumer' | 'nacked' = 'none';
  private first = true;
  private groupsOpen = false;

  /** Open the value, up to the entries' opening bracket. */
  begin(w: ByteWriter): void {
    w.ascii('{"entries":[');
  }

  part(w: ByteWriter, p: KeyPartRecord): void {
    switch (p.part) {
      case 'stream-entries':
        for (const e of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          writeStreamEntry(w, e);
        }
        if (p.packed) this.first = writeStreamNodes(w, p.packed, this.first);
        return;
      case 'stream-meta':
        w.u8(0x5d);
        writeMetaOpen(w, p.meta);
        this.groupsOpen = true;
        return;
      case 'stream-group':
        if (this.section !== 'none') {
          this.closeGroup(w);
          w.u8(0x2c);
        }
        writeGroupOpen(w, p.name, p.lastId, p.entriesRead);
        this.section = 'pending';
        this.first = true;
        return;
      case 'stream-pel':
        for (const x of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          writePending(w, x, true);
        }
        return;
      case 'stream-consumer':
        if (this.section === 'pending') w.ascii('],"consumers":[');
        else w.ascii(']},');
        writeConsumerOpen(w, p.name, p.seenTime, p.activeTime);
        this.section = 'consumer';
        this.first = true;
        return;
      case 'stream-consumer-pel':
      case 'stream-nacked':
        for (const id of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          writeId(w, id);
        }
        return;
      case 'stream-consumers':
        return;
      case 'stream-nack-zone':
        this.closeConsumers(w);
        w.ascii(',"nacked":[');
        this.section = 'nacked';
        this.first = true;
        return;
      case 'stream-idmp':
        this.closeGroups(w);
        w.ascii(',"idmp":');
        w.bytes(utf8(JSON.stringify(idmpToJson(p.idmp))));
        return;
      default:
        throw new Error(`a ${p.part} part is not a stream part`);
    }
  }

  /** Close the stream's value. */
  end(w: ByteWriter): void {
    this.closeGroups(w);
    w.u8(0x7d);
  }

  private closeConsumers(w: ByteWriter): void {
    if (this.section === 'pending') w.ascii('],"consumers":[]');
    else if (this.section === 'consumer') w.ascii(']}]');
  }

  private closeGroup(w: ByteWriter): void {
    if (this.section === 'nacked') w.u8(0x5d);
    else this.closeConsumers(w);
    w.u8(0x7d);
    this.section = 'none';
  }

  private closeGroups(w: ByteWriter): void {
    if (!this.groupsOpen) return;
    if (this.section !== 'none') this.closeGroup(w);
    w.u8(0x5d);
    this.groupsOpen = false;
  }
}
