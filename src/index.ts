export * from "./spec/index.js"; export * from "./errors.js"; export * from "./content/store.js";
