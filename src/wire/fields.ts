/**
 * Field codes of body layouts, in the order of `t` in
 * src/message/schema.ts. The first five are the scalar kinds a struct
 * layout accepts.
 */
export const FieldCode = {
  F64: 0,
  I32: 1,
  U32: 2,
  BOOL: 3,
  ADDRESS: 4,
  STRING: 5,
  BYTES: 6,
  ADDRESSES: 7,
  F64S: 8,
} as const;
