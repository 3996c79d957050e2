"""Money out: payout methods, payouts on business days, the provider interface, the fee.

Modules: :mod:`~core.payouts.policy` (the deployment's settings), :mod:`~core.payouts.fees`
(FEE-01), :mod:`~core.payouts.calendar` (PAY-04), :mod:`~core.payouts.methods` (PAY-02,
masking, PAY-03's name check), :mod:`~core.payouts.states` (PAY-07's table),
:mod:`~core.payouts.model`, :mod:`~core.payouts.ports`, :mod:`~core.payouts.services` (the
freelancer's use cases), :mod:`~core.payouts.operations` (support, the tick, the provider's
reports) and :mod:`~core.payouts.provider` (the interface and the manual provider).
"""
