export * from "../../../../contract/src/entryPoint";
