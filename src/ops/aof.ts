/** AOF operations: inspect, check, repair and unflush (see the modules re-exported here). */
export {
  type AofCheckReport,
  type AofFileReport,
  type AofInspectReport,
  type AofSetVerdict,
  buildInspectReport,
  checkAof,
  inspectAof,
  setVerdict,
} from './aof-inspect.js';
export { applyRepair, planAofRepair, planRepair, type RepairOptions, type RepairPlan } from './aof-repair.js';
export {
  type AofScanOptions,
  type AofSetScan,
  type FlushRecord,
  type PartScan,
  PartScanner,
  scanAofBytes,
  scanAofSet,
} from './aof-scan.js';
export { applyUnflush, planAofUnflush, planUnflush, type UnflushOptions, type UnflushPlan } from './aof-unflush.js';
