import { createHash } from "node:crypto";
import { FieldPath, FieldValue, Timestamp, type Firestore } from "firebase-admin/firestore";
import { getStorage } from "firebase-admin/storage";
import { BLOB_STORE } from "../../config/params";
import { COLLECTIONS } from "../../data/collections";
import { adminApp, db } from "../../data/firestore";
import type { BlobRef } from "../../data/blobs";

/**
 * Where bytes live (code bundles, artifacts, deliverable files). Content-addressed by SHA-256,
 * so a put is idempotent and a blob written before a transaction that then fails is merely an
 * orphan, never a wrong answer.
 */
export interface BlobStore {
  /** Stores the bytes, or marks existing identical bytes as put again now (see `StoredBlob.lastPutAt`). */
  put(bytes: Buffer, contentType: string): Promise<BlobRef>;
  get(ref: BlobRef): Promise<Buffer | null>;
  /** For the orphan sweep: stored blobs in hash order after `after` (null: from the first), at most `limit`. */
  list(after: string | null, limit: number): Promise<StoredBlob[]>;
  /** Deletes the blob unless it was put again since it was listed; true when it was deleted. */
  deleteUnlessPutAgain(blob: StoredBlob): Promise<boolean>;
}

/** A stored blob as the orphan sweep sees it. */
export interface StoredBlob {
  sha256: string;
  /**
   * Last time a put stored or re-used these bytes. A put of bytes already stored updates it, so
   * an upload that re-uses an old blob is never swept between its put and the commit of the
   * record that refers to it (that commit comes within the grace period after the put).
   */
  lastPutAt: Date;
  /** Opaque version the delete is conditional on (a put since then changes it). */
  version: string;
}

// A stored reference to a blob is part of the documents that hold it (data/blobs.ts).
export type { BlobRef };

/** Bytes per chunk document, well under Firestore's 1 MiB document cap. */
export const CHUNK_BYTES = 512 * 1024;

/** The offline stand-in for Cloud Storage: `blobs/{sha256}` plus `chunks/{n}` documents. */
export class FirestoreBlobStore implements BlobStore {
  constructor(private readonly firestore: Firestore) {}

  async put(bytes: Buffer, contentType: string): Promise<BlobRef> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const ref = { sha256, size: bytes.length, contentType };
    const meta = this.firestore.collection(COLLECTIONS.blobs).doc(sha256);
    if ((await meta.get()).exists) {
      // Re-used: mark it put again, so the sweep keeps it. NOT_FOUND: swept meanwhile; write it anew.
      const touched = await meta.update({ lastPutAt: FieldValue.serverTimestamp() }).then(
        () => true,
        (error: unknown) => {
          if (grpcCode(error) === GRPC_NOT_FOUND) return false;
          throw error;
        },
      );
      if (touched) return ref;
    }
    const chunkCount = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
    // Chunks first, then the metadata that makes them visible: a reader never sees half a blob.
    const writer = this.firestore.bulkWriter();
    for (let i = 0; i < chunkCount; i++) {
      void writer.set(meta.collection("chunks").doc(String(i)), {
        data: bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
      });
    }
    await writer.close();
    await meta.set({
      size: bytes.length,
      chunkCount,
      contentType,
      createdAt: FieldValue.serverTimestamp(),
      lastPutAt: FieldValue.serverTimestamp(),
    });
    return ref;
  }

  async get(ref: BlobRef): Promise<Buffer | null> {
    const meta = await this.firestore.collection(COLLECTIONS.blobs).doc(ref.sha256).get();
    const chunkCount = meta.get("chunkCount") as unknown;
    if (!meta.exists || typeof chunkCount !== "number") return null;
    const chunks = await meta.ref.collection("chunks").get();
    const parts = new Map(chunks.docs.map((d) => [Number(d.id), d.get("data") as Buffer]));
    const ordered: Buffer[] = [];
    for (let i = 0; i < chunkCount; i++) {
      const part = parts.get(i);
      if (part === undefined) return null;
      ordered.push(Buffer.from(part));
    }
    return Buffer.concat(ordered);
  }

  async list(after: string | null, limit: number): Promise<StoredBlob[]> {
    let query = this.firestore.collection(COLLECTIONS.blobs).orderBy(FieldPath.documentId()).limit(limit);
    if (after !== null) query = query.startAfter(after);
    const snap = await query.get();
    return snap.docs.map((doc) => {
      const at = (doc.get("lastPutAt") ?? doc.get("createdAt")) as unknown;
      return {
        sha256: doc.id,
        lastPutAt: at instanceof Timestamp ? at.toDate() : doc.updateTime.toDate(),
        version: `${doc.updateTime.seconds}.${doc.updateTime.nanoseconds}`,
      };
    });
  }

  async deleteUnlessPutAgain(blob: StoredBlob): Promise<boolean> {
    const meta = this.firestore.collection(COLLECTIONS.blobs).doc(blob.sha256);
    const [seconds, nanoseconds] = blob.version.split(".").map(Number);
    const lastUpdateTime = new Timestamp(seconds ?? 0, nanoseconds ?? 0);
    // The metadata goes first and conditionally: from then on the blob is absent to readers and
    // a put writes it whole again. Its chunks follow; a crash between leaves only unreachable
    // chunk documents, which the next put of the same bytes overwrites.
    const deleted = await meta.delete({ lastUpdateTime }).then(
      () => true,
      (error: unknown) => {
        if (grpcCode(error) === GRPC_FAILED_PRECONDITION || grpcCode(error) === GRPC_NOT_FOUND) return false;
        throw error;
      },
    );
    if (!deleted) return false;
    const writer = this.firestore.bulkWriter();
    for (const chunk of (await meta.collection("chunks").select().get()).docs) void writer.delete(chunk.ref);
    await writer.close();
    return true;
  }
}

const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;

function grpcCode(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** Production: Cloud Storage, default bucket, `blobs/<sha256>`. */
export class CloudStorageBlobStore implements BlobStore {
  async put(bytes: Buffer, contentType: string): Promise<BlobRef> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const file = getStorage(adminApp()).bucket().file(`${BLOB_PREFIX}${sha256}`);
    const [exists] = await file.exists();
    // Re-used bytes are marked put again (a metadata write: it also moves the metageneration the
    // sweep's delete is conditional on). 404: swept meanwhile; write it anew.
    const touched =
      exists &&
      (await file.setMetadata({ metadata: { lastPutAt: new Date().toISOString() } }).then(
        () => true,
        (error: unknown) => {
          if (httpCode(error) === 404) return false;
          throw error;
        },
      ));
    if (!touched) await file.save(bytes, { contentType, resumable: false });
    return { sha256, size: bytes.length, contentType };
  }

  async list(after: string | null, limit: number): Promise<StoredBlob[]> {
    const [files] = await getStorage(adminApp())
      .bucket()
      .getFiles({
        prefix: BLOB_PREFIX,
        // startOffset is inclusive: a NUL after the name starts just past it.
        ...(after === null ? {} : { startOffset: `${BLOB_PREFIX}${after}\u0000` }),
        maxResults: limit,
        autoPaginate: false,
      });
    return files.map((file) => {
      const custom = file.metadata.metadata?.lastPutAt;
      const at = typeof custom === "string" ? custom : (file.metadata.timeCreated ?? new Date(0).toISOString());
      return {
        sha256: file.name.slice(BLOB_PREFIX.length),
        lastPutAt: new Date(at),
        version: String(file.metadata.metageneration ?? ""),
      };
    });
  }

  async deleteUnlessPutAgain(blob: StoredBlob): Promise<boolean> {
    const file = getStorage(adminApp()).bucket().file(`${BLOB_PREFIX}${blob.sha256}`);
    return file.delete({ ifMetagenerationMatch: Number(blob.version) }).then(
      () => true,
      (error: unknown) => {
        // 412: put again since it was listed; 404: already gone.
        if (httpCode(error) === 412 || httpCode(error) === 404) return false;
        throw error;
      },
    );
  }

  async get(ref: BlobRef): Promise<Buffer | null> {
    const file = getStorage(adminApp()).bucket().file(`blobs/${ref.sha256}`);
    const [exists] = await file.exists();
    if (!exists) return null;
    const [bytes] = await file.download();
    return bytes;
  }
}

const BLOB_PREFIX = "blobs/";

function httpCode(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

let store: BlobStore | undefined;

export function blobStore(): BlobStore {
  store ??=
    blobBackend(BLOB_STORE.value(), process.env) === "firestore"
      ? new FirestoreBlobStore(db())
      : new CloudStorageBlobStore();
  return store;
}

/** `local` follows the emulator suite: the Storage emulator when it runs, else the chunk store. */
export function blobBackend(setting: string, env: NodeJS.ProcessEnv): "storage" | "firestore" {
  if (setting === "firestore") return "firestore";
  if (setting === "local") return env.FIREBASE_STORAGE_EMULATOR_HOST === undefined ? "firestore" : "storage";
  return "storage";
}
