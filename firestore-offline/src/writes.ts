// Applying one Write (set / merge / update / delete / transforms) to one document, with its
// precondition. Pure: takes the document before, returns the document after. Commit atomicity
// lives in the service, which applies every write of a commit to a scratch map first.

import { status } from "@grpc/grpc-js";
import { RpcError, invalidArgument } from "./errors";
import type { FieldTransformMsg, PreconditionMsg, WriteMsg } from "./proto";
import { assertDocumentName, type StoredDocument } from "./store";
import {
  INT64_MAX,
  INT64_MIN,
  NULL_VALUE,
  compareValues,
  deleteField,
  fieldsIdentical,
  getField,
  isNaNValue,
  isNumber,
  nanosToTimestamp,
  normalizeFields,
  normalizeValue,
  parseFieldPath,
  setField,
  timestampToNanos,
  valuesEquivalent,
  type Fields,
  type Timestamp,
  type Value,
} from "./values";

export interface WriteResult {
  /** Not set after a delete; the previous update time if the write changed nothing. */
  updateTime?: Timestamp;
  transformResults: Value[];
}

export interface WriteOutcome {
  name: string;
  /** The document after the write; undefined if it was deleted (or never existed). */
  doc: StoredDocument | undefined;
  result: WriteResult;
}

/** The name of the document a write targets. */
export function writeTarget(write: WriteMsg): string {
  const name = write.update?.name ?? write.delete ?? write.transform?.document;
  if (name === undefined) throw invalidArgument("A write must have an update, delete or transform operation.");
  assertDocumentName(name);
  return name;
}

export function applyWrite(current: StoredDocument | undefined, write: WriteMsg, commitTime: bigint): WriteOutcome {
  const name = writeTarget(write);
  checkPrecondition(name, current, write.currentDocument);
  if (write.delete !== undefined) return { name, doc: undefined, result: { transformResults: [] } };

  let fields: Fields;
  let transforms: FieldTransformMsg[];
  if (write.update !== undefined) {
    const incoming = normalizeFields(write.update.fields);
    fields =
      write.updateMask === undefined
        ? incoming
        : applyMask(current?.fields ?? {}, incoming, write.updateMask.fieldPaths);
    transforms = write.updateTransforms;
  } else {
    // Legacy transform-only write (`operation: transform`).
    fields = current?.fields ?? {};
    transforms = write.transform?.fieldTransforms ?? [];
  }

  const transformResults: Value[] = [];
  for (const transform of transforms) {
    const path = parseFieldPath(transform.fieldPath ?? "");
    const { value, result } = applyTransform(getField(fields, path), transform, commitTime);
    fields = setField(fields, path, value);
    transformResults.push(result);
  }

  // Production keeps the previous update time when a write changes nothing.
  const doc =
    current !== undefined && fieldsIdentical(current.fields, fields)
      ? current
      : { name, fields, createTime: current?.createTime ?? commitTime, updateTime: commitTime };
  return { name, doc, result: { updateTime: nanosToTimestamp(doc.updateTime), transformResults } };
}

function checkPrecondition(name: string, current: StoredDocument | undefined, precondition?: PreconditionMsg): void {
  if (precondition?.exists === true && current === undefined) {
    throw new RpcError(status.NOT_FOUND, `No document to update: ${name}`);
  }
  if (precondition?.exists === false && current !== undefined) {
    throw new RpcError(status.ALREADY_EXISTS, `Document already exists: ${name}`);
  }
  if (precondition?.updateTime !== undefined) {
    const required = timestampToNanos(precondition.updateTime);
    if (current === undefined || current.updateTime !== required) {
      const stored = current === undefined ? "missing" : JSON.stringify(nanosToTimestamp(current.updateTime));
      const wanted = JSON.stringify(nanosToTimestamp(required));
      throw new RpcError(
        status.FAILED_PRECONDITION,
        `The stored version (${stored}) of ${name} does not match the required base version (${wanted}).`,
      );
    }
  }
}

/** Set-with-mask: every masked path is copied from `incoming`, or deleted if `incoming` lacks it. */
function applyMask(base: Fields, incoming: Fields, paths: readonly string[]): Fields {
  let fields = base;
  for (const text of paths) {
    const path = parseFieldPath(text);
    const value = getField(incoming, path);
    fields = value === undefined ? deleteField(fields, path) : setField(fields, path, value);
  }
  return fields;
}

function applyTransform(
  current: Value | undefined,
  transform: FieldTransformMsg,
  commitTime: bigint,
): { value: Value; result: Value } {
  const same = (value: Value) => ({ value, result: value });
  if (transform.setToServerValue !== undefined) {
    if (transform.setToServerValue !== "REQUEST_TIME") throw invalidArgument("Unsupported server value.");
    return same({ timestampValue: nanosToTimestamp(commitTime) });
  }
  if (transform.increment !== undefined) {
    const operand = numericOperand(transform.increment);
    return same(current !== undefined && isNumber(current) ? add(current, operand) : operand);
  }
  if (transform.maximum !== undefined) {
    const operand = numericOperand(transform.maximum);
    return same(current !== undefined && isNumber(current) ? extreme(current, operand, 1) : operand);
  }
  if (transform.minimum !== undefined) {
    const operand = numericOperand(transform.minimum);
    return same(current !== undefined && isNumber(current) ? extreme(current, operand, -1) : operand);
  }
  const existing = current !== undefined && "arrayValue" in current ? current.arrayValue.values : [];
  if (transform.appendMissingElements !== undefined) {
    const values = [...existing];
    for (const element of transform.appendMissingElements.values.map(normalizeValue)) {
      if (!values.some((v) => valuesEquivalent(v, element))) values.push(element);
    }
    return { value: { arrayValue: { values } }, result: NULL_VALUE };
  }
  if (transform.removeAllFromArray !== undefined) {
    const removed = transform.removeAllFromArray.values.map(normalizeValue);
    const values = existing.filter((v) => !removed.some((r) => valuesEquivalent(v, r)));
    return { value: { arrayValue: { values } }, result: NULL_VALUE };
  }
  throw invalidArgument(`Field transform on ${JSON.stringify(transform.fieldPath)} has no transform set.`);
}

type NumberValue = { integerValue: string } | { doubleValue: number };

function numericOperand(msg: Parameters<typeof normalizeValue>[0]): NumberValue {
  const value = normalizeValue(msg);
  if (!isNumber(value)) throw invalidArgument("Numeric transforms need an integer or double operand.");
  return value;
}

const toDouble = (value: NumberValue): number =>
  "integerValue" in value ? Number(value.integerValue) : value.doubleValue;

/** Integer sums saturate at the int64 bounds; anything involving a double is IEEE 754. */
function add(a: NumberValue, b: NumberValue): Value {
  if ("integerValue" in a && "integerValue" in b) {
    const sum = BigInt(a.integerValue) + BigInt(b.integerValue);
    return { integerValue: (sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN : sum).toString() };
  }
  return { doubleValue: toDouble(a) + toDouble(b) };
}

/** maximum (direction 1) / minimum (-1): NaN wins, and an equivalent operand keeps the stored value. */
function extreme(stored: NumberValue, operand: NumberValue, direction: 1 | -1): Value {
  if (isNaNValue(stored)) return stored;
  if (isNaNValue(operand)) return operand;
  return compareValues(operand, stored) * direction > 0 ? operand : stored;
}
