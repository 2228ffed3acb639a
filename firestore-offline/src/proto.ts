// The Firestore v1 wire contract: the gRPC service definition and the shapes of the decoded
// messages this emulator reads.
//
// Messages are decoded by @grpc/proto-loader from the very .proto files the client SDK ships
// (@google-cloud/firestore/build/protos), with 64-bit integers kept as decimal strings. The
// generated classes of @firestore-emulator/proto were not used because google-protobuf 4 decodes
// int64 into JS numbers, which silently corrupts integers beyond 2^53.
//
// Decoding options (see LOADER_OPTIONS): camelCase names, int64 → string, enums → their names,
// bytes → Buffer, repeated fields always present (possibly empty), map fields always present,
// other absent fields left undefined (so proto3 zero values such as `nanos: 0` or `offset: 0` are
// undefined), and for every oneof a virtual property naming the member that is set.
//
// The interfaces below describe only what the emulator reads; they are the edge of the type
// system, trusted because proto-loader produced the objects from a schema.

import * as path from "node:path";
import * as protoLoader from "@grpc/proto-loader";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
};

/** Loads `google.firestore.v1.Firestore` from the client SDK's own proto files. */
export function loadFirestoreService(): ServiceDefinition {
  const sdkRoot = path.dirname(require.resolve("@google-cloud/firestore/package.json"));
  const definition = protoLoader.loadSync("google/firestore/v1/firestore.proto", {
    ...LOADER_OPTIONS,
    includeDirs: [path.join(sdkRoot, "build", "protos")],
  });
  const service = definition["google.firestore.v1.Firestore"];
  if (service === undefined || "format" in service) {
    throw new Error("google.firestore.v1.Firestore service not found in the SDK protos");
  }
  // Each decoded request remembers its encoded size, for the request size limit.
  const measured: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(service as ServiceDefinition)) {
    const decode = method.requestDeserialize;
    measured[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        const message: unknown = decode(bytes);
        if (typeof message === "object" && message !== null) encodedSizes.set(message, bytes.length);
        return message;
      },
    };
  }
  return measured;
}

const encodedSizes = new WeakMap<object, number>();

/** How many bytes a decoded request had on the wire (0 if unknown). */
export function encodedSize(request: unknown): number {
  return typeof request === "object" && request !== null ? (encodedSizes.get(request) ?? 0) : 0;
}

export interface TimestampMsg {
  seconds?: string;
  nanos?: number;
}

export interface ValueMsg {
  nullValue?: string;
  booleanValue?: boolean;
  integerValue?: string;
  doubleValue?: number;
  timestampValue?: TimestampMsg;
  stringValue?: string;
  bytesValue?: Buffer;
  referenceValue?: string;
  geoPointValue?: { latitude?: number; longitude?: number };
  arrayValue?: { values: ValueMsg[] };
  mapValue?: { fields: Record<string, ValueMsg> };
  valueType?: string;
}

export interface DocumentMsg {
  name?: string;
  fields: Record<string, ValueMsg>;
  createTime?: TimestampMsg;
  updateTime?: TimestampMsg;
}

export interface DocumentMaskMsg {
  fieldPaths: string[];
}

export interface PreconditionMsg {
  exists?: boolean;
  updateTime?: TimestampMsg;
  conditionType?: "exists" | "updateTime";
}

export interface FieldTransformMsg {
  fieldPath?: string;
  setToServerValue?: string;
  increment?: ValueMsg;
  maximum?: ValueMsg;
  minimum?: ValueMsg;
  appendMissingElements?: { values: ValueMsg[] };
  removeAllFromArray?: { values: ValueMsg[] };
  transformType?: string;
}

export interface WriteMsg {
  update?: DocumentMsg;
  delete?: string;
  transform?: { document?: string; fieldTransforms: FieldTransformMsg[] };
  updateMask?: DocumentMaskMsg;
  updateTransforms: FieldTransformMsg[];
  currentDocument?: PreconditionMsg;
  operation?: "update" | "delete" | "transform";
}

export interface FieldReferenceMsg {
  fieldPath?: string;
}

export interface FilterMsg {
  compositeFilter?: { op?: string; filters: FilterMsg[] };
  fieldFilter?: { field?: FieldReferenceMsg; op?: string; value?: ValueMsg };
  unaryFilter?: { op?: string; field?: FieldReferenceMsg };
  filterType?: string;
}

export interface OrderMsg {
  field?: FieldReferenceMsg;
  direction?: string;
}

export interface CursorMsg {
  values: ValueMsg[];
  before?: boolean;
}

export interface StructuredQueryMsg {
  select?: { fields: FieldReferenceMsg[] };
  from: { collectionId?: string; allDescendants?: boolean }[];
  where?: FilterMsg;
  orderBy: OrderMsg[];
  startAt?: CursorMsg;
  endAt?: CursorMsg;
  offset?: number;
  limit?: { value?: number };
  findNearest?: object;
}

export interface AggregationMsg {
  alias?: string;
  count?: { upTo?: { value?: string } };
  sum?: { field?: FieldReferenceMsg };
  avg?: { field?: FieldReferenceMsg };
  operator?: string;
}

export interface TransactionOptionsMsg {
  readOnly?: { readTime?: TimestampMsg };
  readWrite?: { retryTransaction?: Buffer };
  mode?: string;
}

/** The consistency selector shared by the read RPCs. */
export interface ConsistencyMsg {
  transaction?: Buffer;
  newTransaction?: TransactionOptionsMsg;
  readTime?: TimestampMsg;
}

export interface GetDocumentRequest extends ConsistencyMsg {
  name?: string;
  mask?: DocumentMaskMsg;
}

export interface ListDocumentsRequest extends ConsistencyMsg {
  parent?: string;
  collectionId?: string;
  pageSize?: number;
  pageToken?: string;
  mask?: DocumentMaskMsg;
  showMissing?: boolean;
}

export interface BatchGetDocumentsRequest extends ConsistencyMsg {
  database?: string;
  documents: string[];
  mask?: DocumentMaskMsg;
}

export interface BeginTransactionRequest {
  database?: string;
  options?: TransactionOptionsMsg;
}

export interface CommitRequest {
  database?: string;
  writes: WriteMsg[];
  transaction?: Buffer;
}

export interface RollbackRequest {
  database?: string;
  transaction?: Buffer;
}

export interface RunQueryRequest extends ConsistencyMsg {
  parent?: string;
  structuredQuery?: StructuredQueryMsg;
  explainOptions?: object;
}

export interface RunAggregationQueryRequest extends ConsistencyMsg {
  parent?: string;
  structuredAggregationQuery?: {
    structuredQuery?: StructuredQueryMsg;
    aggregations: AggregationMsg[];
  };
  explainOptions?: object;
}

export interface TargetMsg {
  query?: { parent?: string; structuredQuery?: StructuredQueryMsg };
  documents?: { documents: string[] };
  resumeToken?: Buffer;
  readTime?: TimestampMsg;
  targetId?: number;
  once?: boolean;
}

export interface ListenRequest {
  database?: string;
  addTarget?: TargetMsg;
  removeTarget?: number;
}

export interface ListCollectionIdsRequest {
  parent?: string;
  pageSize?: number;
  pageToken?: string;
  readTime?: TimestampMsg;
}

export interface BatchWriteRequest {
  database?: string;
  writes: WriteMsg[];
}

export interface CreateDocumentRequest {
  parent?: string;
  collectionId?: string;
  documentId?: string;
  document?: DocumentMsg;
  mask?: DocumentMaskMsg;
}

export interface UpdateDocumentRequest {
  document?: DocumentMsg;
  updateMask?: DocumentMaskMsg;
  mask?: DocumentMaskMsg;
  currentDocument?: PreconditionMsg;
}

export interface DeleteDocumentRequest {
  name?: string;
  currentDocument?: PreconditionMsg;
}
