import { z } from "zod";
import { ROLES } from "../../data/teams";
import { idSchema, nameSchema, scopeSchema } from "../../http/schemas";

/** Longest password we pass on to Firebase Auth (it allows 4096 characters). */
const MAX_PASSWORD_LENGTH = 4096;
/** Longest refresh token we pass on (Firebase's are a few hundred characters). */
const MAX_REFRESH_TOKEN_LENGTH = 4096;

export const roleSchema = z.enum(ROLES);
export const emailSchema = z.string().trim().email().max(320);

export const loginBody = z
  .object({ email: emailSchema, password: z.string().min(1).max(MAX_PASSWORD_LENGTH) })
  .strict();
export const refreshBody = z.object({ refreshToken: z.string().min(1).max(MAX_REFRESH_TOKEN_LENGTH) }).strict();

export const teamBody = z.object({ name: nameSchema }).strict();
export const teamParams = z.object({ teamId: idSchema });
export const memberParams = z.object({ teamId: idSchema, uid: idSchema });
export const memberBody = z.object({ role: roleSchema }).strict();
export const invitationBody = z.object({ email: emailSchema, role: roleSchema }).strict();
export const invitationParams = z.object({ teamId: idSchema, invitationId: idSchema });
export const runnerTokenBody = z.object({ name: nameSchema, scopes: z.array(scopeSchema).max(4).optional() }).strict();
export const runnerTokenParams = z.object({ teamId: idSchema, tokenId: idSchema });

/** A plugin id: a safe Firestore document id and URL segment (`github`, `acme.jira-cloud`). */
export const PLUGIN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const pluginIdSchema = z
  .string()
  .regex(PLUGIN_ID_PATTERN, "letters, digits, . _ - (1–100), starting alphanumeric");
/** An HTTP header name (RFC 9110 token), stored lower-cased as Node presents request headers. */
const headerNameSchema = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "an HTTP header name")
  .transform((name) => name.toLowerCase());
const webhookScheme = {
  algorithm: z.enum(["sha256", "sha1", "token"]),
  format: z.enum(["prefixed", "hex", "timestamped", "token"]),
  header: headerNameSchema,
  deliveryIdHeader: headerNameSchema.nullable(),
};
export const webhookCreateBody = z
  .object({ pluginId: pluginIdSchema, ...webhookScheme, deliveryIdHeader: webhookScheme.deliveryIdHeader.optional() })
  .strict();
export const webhookUpdateBody = z
  .object({
    algorithm: webhookScheme.algorithm.optional(),
    format: webhookScheme.format.optional(),
    header: webhookScheme.header.optional(),
    deliveryIdHeader: webhookScheme.deliveryIdHeader.optional(),
    rotateSecret: z.boolean().optional(),
  })
  .strict();
export const webhookParams = z.object({ teamId: idSchema, pluginId: pluginIdSchema });
export const deliveryParams = z.object({ teamId: idSchema, pluginId: pluginIdSchema, deliveryId: idSchema });
