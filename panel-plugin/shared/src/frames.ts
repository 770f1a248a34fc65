/**
 * Finding what a panel needs in whatever frames it was given. The panels are made for the frames of
 * `meterline-cost-datasource`, but they look fields up by name, type and labels rather than by position,
 * so frames from another data source with the same fields work too, and frames without them get a clear
 * message instead of a blank panel.
 *
 * @packageDocumentation
 */
import { FieldType, type DataFrame, type Field } from '@grafana/data';

/** One field a panel needs: how to recognise it, and how to describe it to a user when it is missing. */
export interface FieldRequirement {
  /** Shown in the "wrong frames" state, e.g. `burn (number, labels budget and window)`. */
  description: string;
  /** Whether `field` (in `frame`) is this one. */
  match: (field: Field, frame: DataFrame) => boolean;
}

/** A field found in a frame. */
export interface FoundField {
  frame: DataFrame;
  field: Field;
}

/** Field names compared case-insensitively, also against the display name a query gave it. */
export function fieldNamed(...names: string[]): (field: Field) => boolean {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  return (field) =>
    wanted.has(field.name.toLowerCase()) ||
    (field.config.displayNameFromDS !== undefined &&
      wanted.has(field.config.displayNameFromDS.toLowerCase()));
}

/** A numeric field with one of these names. */
export function numberNamed(...names: string[]): (field: Field) => boolean {
  const named = fieldNamed(...names);
  return (field) => field.type === FieldType.number && named(field);
}

/** Every field in `frames` that matches, in frame order. */
export function findFields(frames: readonly DataFrame[], match: FieldRequirement['match']): FoundField[] {
  const out: FoundField[] = [];
  for (const frame of frames)
    for (const field of frame.fields) if (match(field, frame)) out.push({ frame, field });
  return out;
}

/** The first field in `frames` that matches. */
export function findField(
  frames: readonly DataFrame[],
  match: FieldRequirement['match'],
): FoundField | undefined {
  for (const frame of frames)
    for (const field of frame.fields) if (match(field, frame)) return { frame, field };
  return undefined;
}

/** The time field of a frame (the first one), if any. */
export function timeFieldOf(frame: DataFrame): Field | undefined {
  return frame.fields.find((f) => f.type === FieldType.time);
}

/** What a panel can show with these frames. */
export type FrameCheck =
  { state: 'ok' } | { state: 'no-data' } | { state: 'wrong-frames'; missing: FieldRequirement[] };

/**
 * `no-data` when there are no rows at all; `wrong-frames` (listing what is missing) when there are rows but
 * not the fields the panel needs; otherwise `ok`. `anyOf` groups are alternatives: one satisfied group is enough.
 */
export function checkFrames(
  frames: readonly DataFrame[] | undefined,
  anyOf: ReadonlyArray<readonly FieldRequirement[]>,
): FrameCheck {
  const list = frames ?? [];
  if (list.every((f) => f.length === 0)) return { state: 'no-data' };
  let best: FieldRequirement[] | undefined;
  for (const group of anyOf) {
    const missing = group.filter((r) => findField(list, r.match) === undefined);
    if (missing.length === 0) return { state: 'ok' };
    if (best === undefined || missing.length < best.length) best = missing;
  }
  return { state: 'wrong-frames', missing: best ?? [] };
}
