/**
 * Production settings. Global: one region (the one firebase.json's Hosting rewrites name) and a
 * cap on instances per function. Per function, where the work differs from the default (256 MiB,
 * 80 requests at once on one vCPU): uploads and completions hold whole bodies and inflate ZIPs,
 * so fewer at once in more memory; downloads hold one blob each; streams and long polls mostly
 * wait, so many at once in little memory.
 */
import { setGlobalOptions } from "firebase-functions/v2/options";
import type { HttpsOptions } from "firebase-functions/v2/https";
import { MAX_INSTANCES, WEBHOOK_SECRET_KEY } from "./params";

/** Must equal the `region` of every function rewrite in firebase.json. */
export const REGION = "us-central1";

setGlobalOptions({ region: REGION, maxInstances: MAX_INSTANCES });

/**
 * ZIP uploads: up to 8 MiB of body, parsed (a copy) and inflated to at most 64 MiB while
 * checked — about 80 MiB a request, so 8 at once fit 1 GiB with room for the runtime.
 */
export const UPLOAD: HttpsOptions = { memory: "1GiB", cpu: 1, concurrency: 8, timeoutSeconds: 120 };
/** Artifact uploads and workspace completions: up to 8 MiB bodies (plus jsdom for SVGs) — 16 in 1 GiB. */
export const LARGE_BODY: HttpsOptions = { memory: "1GiB", cpu: 1, concurrency: 16 };
/** Blob downloads (bundles, artifacts, workspace files): one blob of at most 8 MiB in memory each. */
export const DOWNLOAD: HttpsOptions = { memory: "512MiB", cpu: 1, concurrency: 32 };
/** SSE streams: open up to JOB_STREAM_MAX_MS, idle between lines. */
export const STREAM: HttpsOptions = { memory: "256MiB", cpu: 1, concurrency: 250, timeoutSeconds: 90 };
/** Long-polling claims: wait up to their own deadline for work. */
export const LONG_POLL: HttpsOptions = { memory: "256MiB", cpu: 1, concurrency: 250, timeoutSeconds: 60 };
/** Webhook ingress: opens sealed secrets (the master key) and holds bodies of at most 1 MiB. */
export const WEBHOOK_INGRESS: HttpsOptions = { secrets: [WEBHOOK_SECRET_KEY] };
/** Webhook configuration: seals new secrets. */
export const WEBHOOK_ADMIN: HttpsOptions = { secrets: [WEBHOOK_SECRET_KEY] };
