import { createHash } from "node:crypto";
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { getStorage } from "firebase-admin/storage";
import { BLOB_STORE } from "../../config/params";
import { COLLECTIONS } from "../../data/collections";
import { adminApp, db } from "../../data/firestore";

/**
 * Where bytes live (code bundles, artifacts, deliverable files). Content-addressed by SHA-256,
 * so a put is idempotent and a blob written before a transaction that then fails is merely an
 * orphan, never a wrong answer.
 */
export interface BlobStore {
  put(bytes: Buffer, contentType: string): Promise<BlobRef>;
  get(ref: BlobRef): Promise<Buffer | null>;
}

export interface BlobRef {
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  size: number;
  contentType: string;
}

/** Bytes per chunk document, well under Firestore's 1 MiB document cap. */
export const CHUNK_BYTES = 512 * 1024;

/** The offline stand-in for Cloud Storage: `blobs/{sha256}` plus `chunks/{n}` documents. */
export class FirestoreBlobStore implements BlobStore {
  constructor(private readonly firestore: Firestore) {}

  async put(bytes: Buffer, contentType: string): Promise<BlobRef> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const ref = { sha256, size: bytes.length, contentType };
    const meta = this.firestore.collection(COLLECTIONS.blobs).doc(sha256);
    if ((await meta.get()).exists) return ref;
    const chunkCount = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
    // Chunks first, then the metadata that makes them visible: a reader never sees half a blob.
    const writer = this.firestore.bulkWriter();
    for (let i = 0; i < chunkCount; i++) {
      void writer.set(meta.collection("chunks").doc(String(i)), {
        data: bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
      });
    }
    await writer.close();
    await meta.set({ size: bytes.length, chunkCount, contentType, createdAt: FieldValue.serverTimestamp() });
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
}

/** Production: Cloud Storage, default bucket, `blobs/<sha256>`. */
export class CloudStorageBlobStore implements BlobStore {
  async put(bytes: Buffer, contentType: string): Promise<BlobRef> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const file = getStorage(adminApp()).bucket().file(`blobs/${sha256}`);
    const [exists] = await file.exists();
    if (!exists) await file.save(bytes, { contentType, resumable: false });
    return { sha256, size: bytes.length, contentType };
  }

  async get(ref: BlobRef): Promise<Buffer | null> {
    const file = getStorage(adminApp()).bucket().file(`blobs/${ref.sha256}`);
    const [exists] = await file.exists();
    if (!exists) return null;
    const [bytes] = await file.download();
    return bytes;
  }
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
