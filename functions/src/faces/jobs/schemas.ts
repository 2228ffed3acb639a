export * from "../../../../contract/src/jobs";
