import { describe } from 'vitest';
import { MemoryNotificationStore } from '../src/features/notification/memoryStore';
import { notificationStoreContract } from './notificationStoreContract';

notificationStoreContract(describe, 'MemoryNotificationStore', () => new MemoryNotificationStore());
