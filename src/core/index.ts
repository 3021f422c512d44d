// Barrel for the domain layer.
export * from './clock.js';
export * from './errors.js';
export * from './ids.js';
export * from './records.js';
export * from './scope.js';
export * from './time-input.js';
export * from './validate.js';
