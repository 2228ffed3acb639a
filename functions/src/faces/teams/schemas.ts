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
