export * from "../../../../contract/src/code";
