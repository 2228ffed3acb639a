import { z } from "zod";
import { SCOPES } from "../data/collections";

export { idSchema, MAX_NAME_LENGTH, nameSchema, wholeNumber } from "../../../contract/src/common";

export const scopeSchema = z.enum(SCOPES as [string, ...string[]]);
