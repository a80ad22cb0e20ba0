export * from './commands.js';
export * from './conversation.js';
export * from './events.js';
export * from './framing.js';
export * from './limits.js';
export * from './names.js';
export * from './sanitize.js';
export * from './resume.js';
