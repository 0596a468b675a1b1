/**
 * A writer and a reader compiled for one struct body layout.
 *
 * The generic struct code in body.ts walks the layout's field list and
 * reads `body[name]` with a name known only at run time: each such
 * access goes through V8's megamorphic keyed lookup, and the reader
 * grows its result one property at a time. Compiled once per message
 * type, the same steps become straight-line code with constant property
 * names (`body["x"]`, an object literal for the result), which V8
 * optimizes like hand-written code: about half the cost of a
 * cross-worker message with a small body. The checks are the same, and
 * a failed check calls back into body.ts to raise the same error.
 *
 * Generated source contains only numbers from the layout and field names
 * quoted with JSON.stringify; a layout with a name that is not a plain
 * identifier (or is `__proto__`) is not compiled and keeps the generic
 * path.
 */
import type { BodyLayout } from './body.js';
import { FieldCode } from './fields.js';
import type { TableReader } from './table.js';

export interface CompiledStruct {
  /** Writes `body` at `at`; throws InvalidBodyError like writeStruct. */
  write(body: unknown, bytes: Uint8Array, view: DataView, at: number): void;
  /** Reads a body at `at`; throws CorruptFrameError like readStruct. */
  read(reader: TableReader, at: number): Record<string, unknown>;
}

/** What the compiled code calls when a check fails (see body.ts). */
export interface StructHelpers {
  badBody(layout: BodyLayout, body: unknown): never;
  readAddress(
    layout: BodyLayout,
    reader: TableReader,
    field: number,
    from: number,
  ): number;
  readBool(
    layout: BodyLayout,
    reader: TableReader,
    field: number,
    from: number,
  ): boolean;
}

const PLAIN_NAME = /^[A-Za-z_$][\w$]*$/;

/** Compiles `layout` (a fixed one), or undefined when it cannot be. */
export function compileStruct(
  layout: BodyLayout,
  helpers: StructHelpers,
): CompiledStruct | undefined {
  const { names, codes, offsets, padding } = layout;
  if (!names.every((n) => PLAIN_NAME.test(n) && n !== '__proto__')) {
    return undefined;
  }
  const write: string[] = [
    'if (typeof body !== "object" || body === null) bad(layout, body);',
    'let v;',
  ];
  for (const p of padding) write.push(`bytes[at + ${p}] = 0;`);
  const fields: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const key = JSON.stringify(names[i]);
    const to = `at + ${offsets[i]}`;
    write.push(`v = body[${key}];`);
    let read: string;
    switch (codes[i]) {
      case FieldCode.F64:
        write.push('if (typeof v !== "number") bad(layout, body);');
        write.push(`view.setFloat64(${to}, v, true);`);
        read = `view.getFloat64(${to}, true)`;
        break;
      case FieldCode.ADDRESS:
        write.push(
          'if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)' +
            ' bad(layout, body);',
        );
        write.push(`view.setFloat64(${to}, v, true);`);
        read = `readAddress(layout, reader, ${i}, ${to})`;
        break;
      case FieldCode.I32:
        write.push(
          'if (typeof v !== "number" || (v | 0) !== v) bad(layout, body);',
        );
        write.push(`view.setInt32(${to}, v, true);`);
        read = `view.getInt32(${to}, true)`;
        break;
      case FieldCode.U32:
        write.push(
          'if (typeof v !== "number" || v >>> 0 !== v) bad(layout, body);',
        );
        write.push(`view.setUint32(${to}, v, true);`);
        read = `view.getUint32(${to}, true)`;
        break;
      default:
        write.push('if (typeof v !== "boolean") bad(layout, body);');
        write.push(`bytes[${to}] = v ? 1 : 0;`);
        read = `readBool(layout, reader, ${i}, ${to})`;
    }
    fields.push(`${key}: ${read}`);
  }
  const source =
    `return {\n` +
    `write(body, bytes, view, at) {\n${write.join('\n')}\n},\n` +
    `read(reader, at) {\nconst view = reader.view;\n` +
    `return { ${fields.join(', ')} };\n},\n};`;
  const make = new Function(
    'layout',
    'bad',
    'readAddress',
    'readBool',
    source,
  ) as (
    layout: BodyLayout,
    bad: StructHelpers['badBody'],
    readAddress: StructHelpers['readAddress'],
    readBool: StructHelpers['readBool'],
  ) => CompiledStruct;
  return make(layout, helpers.badBody, helpers.readAddress, helpers.readBool);
}
