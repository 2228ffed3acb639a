export * from "../../../../contract/src/coderunner";
