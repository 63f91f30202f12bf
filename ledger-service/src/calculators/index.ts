export * from './rounding';
export * from './md5';
export * from './md1';
