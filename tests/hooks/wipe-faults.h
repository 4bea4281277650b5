#ifndef TIM_WIPE_FAULTS_H
#define TIM_WIPE_FAULTS_H

struct tim_wipe_faults;

/*
 * The test build of tim-wipe (build/test-bin/tim-wipe) only: fills f from
 * TIM_TEST_WIPE_EIO=OFFSET:LENGTH, TIM_TEST_WIPE_STOP_AFTER=BYTES and
 * TIM_TEST_WIPE_TAMPER=OFFSET. Returns 1 when any is set, else 0.
 */
int tim_wipe_test_faults(struct tim_wipe_faults *f);

#endif
