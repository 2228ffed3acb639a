export * from "../../../../contract/src/storable";
