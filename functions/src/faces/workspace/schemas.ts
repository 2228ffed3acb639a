export * from "../../../../contract/src/workspace";
