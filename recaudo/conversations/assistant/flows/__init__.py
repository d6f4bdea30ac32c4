"""One module per flow. Each module has:

``NAME``                the flow's name (the key in ``FLOWS`` and ``Conversation.state["flow"]``)
``INTENTS``             the intents that start it
``NEEDS_VERIFICATION``  nothing is said before the customer's identity is verified
``NEEDS_ACCOUNT``       the engine makes sure an account is chosen before ``start``
``start(context)``      the first reply of the flow
``resume(context)``     the answer to the flow's pending question (``context.step``); False
                        when the message is not an answer, and the engine routes it afresh
"""

from types import ModuleType

from recaudo.conversations.assistant.flows import (
    already_paid,
    balance,
    cannot_pay,
    dispute,
    handoff,
    identify,
    menu,
    opt_out,
    pay,
    payment_methods,
    plan,
    preferences,
    promise,
    statement,
    survey,
)

FLOWS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        menu,
        identify,
        balance,
        statement,
        pay,
        payment_methods,
        promise,
        plan,
        cannot_pay,
        already_paid,
        dispute,
        handoff,
        opt_out,
        preferences,
        survey,
    )
}
