/** AOF operations: inspect, check, repair and unflush (see the modules re-exported here). */
export { inspectAof, checkAof, buildInspectReport, setVerdict, type AofInspectReport, type AofCheckReport, type AofSetVerdict, type AofFileReport } from './aof-inspect.js';
export { planAofRepair, planRepair, applyRepair, type RepairPlan, type RepairOptions } from './aof-repair.js';
export { planAofUnflush, planUnflush, applyUnflush, type UnflushPlan, type UnflushOptions } from './aof-unflush.js';
export { scanAofSet, scanAofBytes, PartScanner, type AofSetScan, type PartScan, type FlushRecord, type AofScanOptions } from './aof-scan.js';
