import { passwordLogin, refreshLogin } from "../../core/accounts/passwordLogin";
import { endpoint } from "../../http/route";
import { loginBody, refreshBody } from "./schemas";

/**
 * `POST /auth/login` `{ email, password }` → `{ idToken, refreshToken, expiresIn, uid }`; a wrong
 * password and an unknown email are the same 401; too many failures → 429.
 */
export const login = endpoint({
  face: "jobs",
  method: "POST",
  path: "/auth/login",
  auth: { public: true },
  body: loginBody,
  handler: async ({ req, body, now }) => ({
    body: await passwordLogin(body.email, body.password, req.ip ?? "unknown", now),
  }),
});

/** `POST /auth/refresh` `{ refreshToken }` → `{ idToken, refreshToken, expiresIn, uid }`. */
export const refresh = endpoint({
  face: "jobs",
  method: "POST",
  path: "/auth/refresh",
  auth: { public: true },
  body: refreshBody,
  handler: async ({ body }) => ({ body: await refreshLogin(body.refreshToken) }),
});
