export * from "../../../../contract/src/zipWriter";
