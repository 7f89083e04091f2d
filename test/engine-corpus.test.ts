/**
 * AOFs from other projects' test suites (../shared/corpus) replayed by the engine: what Redis
 * 7.0 would load, it loads; what Redis 7.0 would reject (7.0-rc command syntax, scripts logged
 * as EVAL by Redis < 5, Redis 7.4 field-TTL commands) is reported, never silently accepted.
 */
import { describe, expect, it } from 'vitest';
import { openAofSet } from '../src/io/aof-files.js';
import { replayAof } from '../src/ops/replay-aof.js';
import { corpusPath, requireCorpus } from './support/corpus.js';

const present = requireCorpus('corpus AOF replay tests');

describe.skipIf(!present)('corpus AOFs through the engine', () => {
  it('redis-replicator appendonly-with-ts.aof: 7.0-rc FUNCTION RESTORE payloads load, rc-only FUNCTION LOAD syntax fails as on 7.0', async () => {
    const { engine, report } = await replayAof(await openAofSet(corpusPath('redis-replicator', 'appendonly-with-ts.aof')));
    // the FUNCTION RESTORE commands carry 7.0-rc payloads (type 246): all succeed; what fails is
    // `FUNCTION LOAD Lua mylib <code>` in 7.0-rc syntax (twice) and then a DELETE of the library it
    // did not load, as on Redis 7.0
    expect(engine.libraries.size).toBeGreaterThan(0);
    expect(report.failed.map((f) => f.error)).toEqual([
      "ERR unknown subcommand or wrong number of arguments for 'load'. Try FUNCTION HELP.",
      'ERR Library not found',
      "ERR unknown subcommand or wrong number of arguments for 'load'. Try FUNCTION HELP.",
    ]);
    expect(report.lastTimestamp).toBeGreaterThan(1643689000);
  });

  it('valkey rdb-preamble.aof: the RDB preamble and the RESP tail both replay', async () => {
    const { report } = await replayAof(await openAofSet(corpusPath('valkey', 'rdb-preamble.aof')));
    expect(report.problems).toEqual([]);
    expect(report.rdbKeys + report.commands).toBeGreaterThan(0);
  });

  it('an EVAL logged by Redis < 5 stops the replay with command, file and offset', async () => {
    await expect(replayAof(await openAofSet(corpusPath('redis-replicator', 'appendonly5.aof')))).rejects.toThrow(
      /unknown command 'eval' in .*appendonly5\.aof at offset \d+/,
    );
    const { report } = await replayAof(await openAofSet(corpusPath('redis-replicator', 'appendonly5.aof')), { skipUnknown: true });
    expect(report.skipped.get('EVAL')).toBeGreaterThan(0);
  });
});
