package dev.primus.runner.e2e;

/**
 * The steps of {@link FailsafeE2eIT} on a one-member cluster (issue 10, item 13): with etcd stopped the lone
 * primary keeps taking writes for three ttl and reports {@code failsafe_mode_is_active}, as Patroni 3.0.2
 * does, because its last view proves no other member exists to race for the lock.
 */
class FailsafeOneMemberE2eIT extends FailsafeE2eIT {
  @Override
  int members() {
    return 1;
  }
}
