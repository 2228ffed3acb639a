import { endpoint } from "../../http/route";

/** `GET /health` (seed 002): liveness. Answers without touching Firestore. */
export const getHealth = endpoint({
  face: "platform",
  method: "GET",
  path: "/health",
  auth: { public: true },
  handler: ({ now }) => Promise.resolve({ body: { status: "ok", service: "runnerplane", time: now.toISOString() } }),
});
