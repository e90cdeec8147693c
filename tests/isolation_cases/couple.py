"""Isolation cases of the couple space itself: its pages, the pending invitation, and the used join link.

The world already holds everything these pages show (both partners' onboarding
and display names, the safety-check note, all marked), so no case adds data.
"""

CASES = {
    "couple:dashboard": lambda world: {},
    "couple:create": lambda world: {},
    "couple:invite_email": lambda world: {},
    "couple:invite_code": lambda world: {},
    "couple:invitation_revoke": lambda world: {"pk": world.invitation.pk},
    "couple:join_code": lambda world: {},
    "couple:onboarding": lambda world: {},
    "couple:together": lambda world: {},
    "couple:safety_check": lambda world: {},
    "couple:safety_support": lambda world: {},
    "couple:leave": lambda world: {},
    "couple:dismiss_notice": lambda world: {},
    "join_link": lambda world: {"token": world.link_token},
}
