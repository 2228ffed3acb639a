export * from "../../../../contract/src/archive";
