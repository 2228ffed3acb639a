// Every export is a deployed function id: stable API. One line each.
import { https } from "./http/route";
import { getHealth } from "./faces/health/health";

export const health = https({}, getHealth);
