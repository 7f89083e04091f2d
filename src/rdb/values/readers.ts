/**
 * Which value reader reads which type id (FORMATS.md §5). The decoder looks a reader up once per
 * key and calls it once per unit until it returns the complete value.
 */
import { RdbType } from '../constants.js';
import { readArrayValue } from './array.js';
import type { ValueUnitReader } from './frame.js';
import { readHashtableHash, readListpackExHash, readMetadataHash, readPackedHash, readZipmapHash } from './hash.js';
import { readTemplateArrayHash, readTemplateListpackHash } from './hash-template.js';
import { readLinkedList, readQuicklist, readZiplistList } from './list.js';
import { readModuleValue } from './module.js';
import { readHashtableSet, readIntsetSet, readListpackSet } from './set.js';
import { readStreamValue } from './stream.js';
import { readStringValue } from './string.js';
import { readPackedZset, readSkiplistZset } from './zset.js';

const READERS: Record<number, ValueUnitReader> = {
  [RdbType.STRING]: readStringValue,
  [RdbType.LIST]: readLinkedList,
  [RdbType.SET]: readHashtableSet,
  [RdbType.ZSET]: readSkiplistZset,
  [RdbType.HASH]: readHashtableHash,
  [RdbType.ZSET_2]: readSkiplistZset,
  [RdbType.MODULE_2]: readModuleValue,
  [RdbType.HASH_ZIPMAP]: readZipmapHash,
  [RdbType.LIST_ZIPLIST]: readZiplistList,
  [RdbType.SET_INTSET]: readIntsetSet,
  [RdbType.ZSET_ZIPLIST]: readPackedZset,
  [RdbType.HASH_ZIPLIST]: readPackedHash,
  [RdbType.LIST_QUICKLIST]: readQuicklist,
  [RdbType.STREAM_LISTPACKS]: readStreamValue,
  [RdbType.HASH_LISTPACK]: readPackedHash,
  [RdbType.ZSET_LISTPACK]: readPackedZset,
  [RdbType.LIST_QUICKLIST_2]: readQuicklist,
  [RdbType.STREAM_LISTPACKS_2]: readStreamValue,
  [RdbType.SET_LISTPACK]: readListpackSet,
  [RdbType.STREAM_LISTPACKS_3]: readStreamValue,
  [RdbType.HASH_METADATA_PRE_GA]: readMetadataHash,
  [RdbType.HASH_LISTPACK_EX_PRE_GA]: readListpackExHash,
  [RdbType.HASH_METADATA]: readMetadataHash,
  [RdbType.HASH_LISTPACK_EX]: readListpackExHash,
  [RdbType.STREAM_LISTPACKS_4]: readStreamValue,
  [RdbType.STREAM_LISTPACKS_5]: readStreamValue,
  [RdbType.ARRAY]: readArrayValue,
  [RdbType.HASH_TMPL_LP]: readTemplateListpackHash,
  [RdbType.HASH_TMPL_LP_REF]: readTemplateListpackHash,
  [RdbType.HASH_TMPL_ARRAY]: readTemplateArrayHash,
  [RdbType.HASH_TMPL_ARRAY_REF]: readTemplateArrayHash,
};

/** The reader of a type id, or undefined when the type is unknown. */
export function valueReaderFor(type: number): ValueUnitReader | undefined {
  return READERS[type];
}
