/**
 * Per-message field tables for the OTLP JSON mapping, derived from the protobufjs reflection types: how each
 * field's JSON value is read and written, and under which keys it may appear.
 */
import * as protobuf from 'protobufjs';

/** How a field's value is represented in OTLP JSON. */
export type JsonKind =
  | 'message'
  | 'enum'
  | 'int64' // int64/sint64/sfixed64: decimal string (or number)
  | 'uint64' // uint64/fixed64: decimal string (or number)
  | 'int32'
  | 'uint32'
  | 'double'
  | 'bool'
  | 'string'
  | 'bytes' // base64
  | 'hexId'; // trace/span ids: lowercase hex, not base64 (an OTLP deviation from the proto3 JSON mapping)

/** One field of a message type. */
export interface JsonField {
  /** The lowerCamelCase name (model property and JSON key). */
  readonly name: string;
  readonly kind: JsonKind;
  readonly repeated: boolean;
  /** Whether presence is tracked (message, oneof member, `optional`): then defaults are kept, not dropped. */
  readonly presence: boolean;
  /** For `hexId`: the expected number of bytes. */
  readonly idBytes: number;
  /** For enums: value by name. */
  readonly enumValues: Readonly<Record<string, number>> | undefined;
  /** For messages: the nested type's table (resolved lazily: types are recursive). */
  message(): JsonType;
}

/** A message type's fields. */
export interface JsonType {
  readonly type: protobuf.Type;
  readonly fields: readonly JsonField[];
  /** Fields by JSON key: lowerCamelCase and snake_case (receivers should accept both). */
  readonly byKey: ReadonlyMap<string, JsonField>;
  /** A new, empty message (the protobufjs class, so decoded JSON and protobuf models look alike). */
  create(): Record<string, unknown>;
}

const ID_BYTES: Record<string, number> = { traceId: 16, spanId: 8, parentSpanId: 8 };

function kindOf(field: protobuf.Field): JsonKind {
  if (field.resolvedType instanceof protobuf.Type) return 'message';
  if (field.resolvedType instanceof protobuf.Enum) return 'enum';
  switch (field.type) {
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return 'int64';
    case 'uint64':
    case 'fixed64':
      return 'uint64';
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return 'int32';
    case 'uint32':
    case 'fixed32':
      return 'uint32';
    case 'double':
    case 'float':
      return 'double';
    case 'bool':
      return 'bool';
    case 'string':
      return 'string';
    case 'bytes':
      return ID_BYTES[field.name] !== undefined ? 'hexId' : 'bytes';
    default:
      throw new Error(`OTLP schema: unsupported field type ${field.type} of ${field.fullName}`);
  }
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const cache = new Map<protobuf.Type, JsonType>();

/** The (cached) JSON field table of a message type. */
export function jsonType(type: protobuf.Type): JsonType {
  const cached = cache.get(type);
  if (cached !== undefined) return cached;
  const Ctor = type.ctor as unknown as new () => Record<string, unknown>;
  const byKey = new Map<string, JsonField>();
  const fields: JsonField[] = type.fieldsArray.map((field) => {
    const kind = kindOf(field);
    const resolved = field.resolvedType;
    const jf: JsonField = {
      name: field.name,
      kind,
      repeated: field.repeated,
      presence: kind === 'message' || field.partOf !== null,
      idBytes: ID_BYTES[field.name] ?? 0,
      enumValues: resolved instanceof protobuf.Enum ? resolved.values : undefined,
      message: () => jsonType(resolved as protobuf.Type),
    };
    byKey.set(field.name, jf);
    byKey.set(snake(field.name), jf);
    return jf;
  });
  const table: JsonType = { type, fields, byKey, create: () => new Ctor() };
  cache.set(type, table);
  return table;
}
