export * from './config/types';
