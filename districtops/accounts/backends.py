from django.contrib.auth.backends import ModelBackend


class LockAwareBackend(ModelBackend):
    """A locked account cannot authenticate, even with the right password."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user.is_locked()
