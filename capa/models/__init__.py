from .capa import Capa, CapaAction, EffectivenessCheck, risk_band

__all__ = ["Capa", "CapaAction", "EffectivenessCheck", "risk_band"]
