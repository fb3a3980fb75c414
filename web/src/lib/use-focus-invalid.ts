// After a refused submit, moves the focus to the first field marked aria-invalid, so that a
// keyboard or screen reader user lands on the problem.

import { type RefObject, useEffect } from 'react';

export function useFocusFirstInvalid(form: RefObject<HTMLFormElement | null>, errors: object): void {
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form, errors]);
}
