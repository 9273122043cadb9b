from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "orthoregen.web.registry"
    label = "registry"
    verbose_name = "Outcomes registry"

    def synth_extend(self, context) -> None:
        """Build the fact tables of a fresh synthetic cohort from the stages before this one.

        The registry runs last in the pathway, so follow-up scores and administrations that
        earlier hooks created are already in their tables; nothing is generated here.
        """
        from orthoregen.web.clinic.models import JointEpisode
        from orthoregen.web.registry.services import facts_replace, read_source

        if not context.episode_ids:
            return
        episodes = JointEpisode.objects.filter(
            patient__site=context.site, pk__gte=min(context.episode_ids),
            pk__lte=max(context.episode_ids))
        source = read_source(episodes)
        if source.available:
            facts_replace(episodes, source, as_of=context.as_of)
        else:  # no follow-up yet: the joints still appear, untreated, in the registry
            facts_replace(episodes, type(source)(), as_of=context.as_of)
