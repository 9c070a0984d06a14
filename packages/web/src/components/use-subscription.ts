import { useEffect, useState } from 'preact/hooks';

/** The value of `get()`, re-read whenever `subscribe`'s listener fires. */
export function useSubscription<T>(subscribe: (listener: () => void) => () => void, get: () => T): T {
  const [value, setValue] = useState(get);
  useEffect(() => {
    setValue(get);
    return subscribe(() => { setValue(get); });
  }, [subscribe, get]);
  return value;
}
